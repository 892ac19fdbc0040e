package bundle

import (
	"errors"

	"kluis/sync/signed"
)

// ReceiptLinkPrefix starts a kluis: link that carries a whole receipt, so
// a caseworker can hand it over as a link or QR code as well as a file.
//
//	kluis:receipt/v1/<base64url without padding of the receipt file>
const ReceiptLinkPrefix = "kluis:receipt/v1/"

// MaxReceipt is the largest receipt file read.
const MaxReceipt = 16 << 10

var receiptCarrier = signed.Carrier{LinkPrefix: ReceiptLinkPrefix, ArmorBegin: "-----BEGIN KLUIS RECEIPT-----",
	ArmorEnd: "-----END KLUIS RECEIPT-----", MaxFile: MaxReceipt}

// ReceiptLink returns the kluis: link of a receipt file.
func ReceiptLink(file []byte) string { return receiptCarrier.Link(file) }

// ReceiptQR returns a PNG QR code (size pixels square) of a receipt's
// link.
func ReceiptQR(file []byte, size int) ([]byte, error) {
	png, err := receiptCarrier.QR(file, size)
	if err != nil {
		return nil, refuseErr(CodeTooLarge, err, "the link does not fit in a QR code")
	}
	return png, nil
}

// DecodeReceipt returns the receipt file in input: the file itself,
// armored text or a kluis:receipt link. It does not check the receipt
// (ParseReceipt does).
func DecodeReceipt(input []byte) ([]byte, error) {
	b, err := receiptCarrier.Decode(input)
	switch {
	case errors.Is(err, signed.ErrTooLarge):
		return nil, refuseErr(CodeTooLarge, err, "receipt")
	case err != nil:
		return nil, refuseErr(CodeBadReceipt, err, "link")
	}
	return b, nil
}
