package session

// LinkedCases names a bundle's member cases for the done screen and the
// receipt: each member item's name before its case number, in the
// bundle's order; a number alone where the catalogue has no such member.
func (s State) LinkedCases(numbers []string) []string {
	out := make([]string, len(numbers))
	for i, number := range numbers {
		out[i] = number
		if s.Item != nil && i < len(s.Item.Bundle) {
			if member, ok := s.Catalog.Find(s.Item.Bundle[i]); ok {
				out[i] = member.Name + " " + number
			}
		}
	}
	return out
}
