package hall

import "fmt"

// DebugClient describes what the broker holds for a client id: whether
// its client entry is the live connection, whether that is closed, and
// whether the id is subscribed to topic. For test failure messages.
func (b *Broker) DebugClient(id, topic string) string {
	b.hook.mu.Lock()
	live := b.hook.live[id]
	b.hook.mu.Unlock()
	got, ok := b.srv.Clients.Get(id)
	_, subscribed := b.srv.Topics.Subscribers(topic).Subscriptions[id]
	s := fmt.Sprintf("entry %v, entry is live %v, subscribed %v", ok, ok && got == live, subscribed)
	if ok {
		s += fmt.Sprintf(", entry closed %v, entry remote %s, entry subs %d", got.Closed(), got.Net.Remote, len(got.State.Subscriptions.GetAll()))
	}
	if live != nil {
		s += fmt.Sprintf(", live closed %v, live remote %s", live.Closed(), live.Net.Remote)
	}
	return s
}
