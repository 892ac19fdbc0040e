package index

import (
	"encoding/hex"
	"fmt"
	"math/bits"
)

// The cell key method (docs/FORMAT.md §10.6). Every donation to an index
// with domains carries a record key, a number r on 0 … 2⁶⁴−1 that stands
// for the fraction r/2⁶⁴ of [0, 1). A published count gets its cell key
// from the record keys of the donations it counts, and its noise from the
// perturbation table: the same donations always give the same noise, and
// nobody without the record keys can compute it.

// ParseRecordKey reads a record key: 16 lower-case hex digits, big-endian.
func ParseRecordKey(s string) (uint64, error) {
	if !reRecordKey.MatchString(s) {
		return 0, fmt.Errorf("a record key is 16 lower-case hex digits")
	}
	b, _ := hex.DecodeString(s)
	var k uint64
	for _, c := range b {
		k = k<<8 | uint64(c)
	}
	return k, nil
}

// CellKey is the cell key of a count of the donations with these record
// keys: their sum modulo 2⁶⁴ (the sum of the fractions modulo 1). Adding
// and taking out a key one by one gives the same key, so a tally keeps
// the sum per count instead of the keys.
func CellKey(recordKeys ...uint64) uint64 {
	var sum uint64
	for _, k := range recordKeys {
		sum += k
	}
	return sum
}

// Buckets is the number of equal parts the perturbation table splits the
// cell keys into: cell key k falls in bucket ⌊k·20/2⁶⁴⌋, 0 … 19.
const Buckets = 20

// Bucket returns the bucket of a cell key: the high word of k × Buckets.
func Bucket(cellKey uint64) int {
	hi, _ := bits.Mul64(cellKey, Buckets)
	return int(hi)
}

// The perturbation table: per count, the deviation for each bucket. A
// count of 0 stays 0 and a count of 1 stays 1 (so a published 0 always
// means nobody, and nothing becomes negative); 2 moves by at most 1, and
// every larger count by at most 2. Each row is symmetric, so the noise has
// mean 0: a sum of many perturbed counts is right on average.
var (
	deviationsTwo  = [Buckets]int8{-1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}
	deviationsMany = [Buckets]int8{-2, -2, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2}
)

// MaxDeviation is the most a perturbed count differs from the true one.
const MaxDeviation = 2

// Variance is the variance of the noise on a count of 3 or more: the mean
// of the squared deviations of a row, (2·4 + 4·1 + 4·1 + 2·4)/20 = 1.2.
// A count of 2 has variance 0.5; 0 and 1 none.
const Variance = 1.2

// Deviation is the noise the perturbation table gives a count with a cell
// key.
func Deviation(count int, cellKey uint64) int {
	switch {
	case count <= 1:
		return 0
	case count == 2:
		return int(deviationsTwo[Bucket(cellKey)])
	}
	return int(deviationsMany[Bucket(cellKey)])
}

// Perturb returns the published value of a count: count + Deviation.
func Perturb(count int, cellKey uint64) int { return count + Deviation(count, cellKey) }
