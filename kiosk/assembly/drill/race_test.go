//go:build race

package drill

func init() { visits = 20 }
