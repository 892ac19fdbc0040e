package post

import (
	"context"
	"testing"

	wire "kluis/sync/post"
)

// BenchmarkFetch1000Messages picks up 1,000 waiting messages from a desk
// on loopback (TLS), opens and checks each and keeps them in their
// threads: the whole of one pickup into an empty vault.
func BenchmarkFetch1000Messages(b *testing.B) {
	desk := newDesk(b, "Gemeente Zwolle")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		v := newVault(b, "Fatima")
		desk.keep(v)
		desk.messages = nil
		for i := range 1000 {
			desk.write(v, wire.Case{CaseReference: caseRefs[i%4]}, "Goedemiddag, we hebben uw gegevens ontvangen en bekijken ze deze week.")
		}
		b.StartTimer()
		got, err := Fetch(ctx, v)
		if err != nil || len(got.New) != 1000 {
			b.Fatalf("%d new, %v", len(got.New), err)
		}
	}
}

var caseRefs = []string{"Z-1", "Z-2", "Z-3", "Z-4"}
