package bundle

import (
	"encoding/base64"
	"strings"
)

// URIPrefix starts a kluis: link that carries a whole bundle.
//
//	kluis:bundle/v1/<base64url without padding of the binary age file>
//
// The link is for small bundles (a few records, no big documents): a QR
// code holds at most MaxURILength characters.
const URIPrefix = "kluis:bundle/v1/"

// MaxURILength is the longest link a QR code (version 40, error correction
// level L, byte mode) can hold.
const MaxURILength = 2953

// BundleURI returns the kluis: link for a binary bundle.
func BundleURI(bundle []byte) string {
	return URIPrefix + base64.RawURLEncoding.EncodeToString(bundle)
}

// ParseBundleURI returns the binary bundle a kluis: link carries.
func ParseBundleURI(uri string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(uri), URIPrefix)
	if !ok {
		return nil, refuse(CodeBadURI, "a bundle link starts with %s", URIPrefix)
	}
	if len(rest) > 64<<20 {
		return nil, refuse(CodeTooLarge, "the link is too long")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, refuseErr(CodeBadURI, err, "not base64url")
	}
	return b, nil
}
