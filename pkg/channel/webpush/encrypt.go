package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// recordSize is the body of every push: one record of RFC 8188, padded to
// the full 4,096 bytes that every push service takes, so that a push's
// length tells nothing of its words. MaxPayload is what fits in it.
const recordSize = 4096

// headerSize is the record header of aes128gcm: salt (16), record size (4),
// key length (1) and the sender's uncompressed P-256 public key (65).
const headerSize = 16 + 4 + 1 + 65

// seal encrypts plain for one browser as RFC 8291 says (aes128gcm): an
// ECDH secret between the sender's one-time key as and the browser's
// uaPublic (its p256dh), mixed with the browser's auth secret, keys
// AES-128-GCM for a single record. The record is padded to a body of padTo
// bytes; 0 pads nothing (the RFC's example). salt must be 16 random bytes.
func seal(plain, uaPublic, auth []byte, as *ecdh.PrivateKey, salt []byte, padTo int) ([]byte, error) {
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, errors.New("the subscription's p256dh is not an uncompressed P-256 public key")
	}
	if len(auth) == 0 {
		return nil, errors.New("the subscription has no auth secret")
	}
	secret, err := as.ECDH(ua)
	if err != nil {
		return nil, fmt.Errorf("ecdh: %w", err)
	}
	asPublic := as.PublicKey().Bytes()
	// The errors of hkdf.Key are for lengths beyond 255 hashes: not these.
	ikm, _ := hkdf.Key(sha256.New, secret, auth, "WebPush: info\x00"+string(uaPublic)+string(asPublic), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}

	// The plaintext is the payload, the last-record delimiter 2, and zeros.
	size := len(plain) + 1
	if padTo > 0 {
		size = padTo - headerSize - gcm.Overhead()
	}
	if size < len(plain)+1 {
		return nil, fmt.Errorf("the payload is %d bytes; at most %d fit in a push", len(plain), MaxPayload)
	}
	record := make([]byte, size)
	copy(record, plain)
	record[len(plain)] = 2

	body := make([]byte, 0, headerSize+size+gcm.Overhead())
	body = append(body, salt...)
	body = binary.BigEndian.AppendUint32(body, recordSize)
	body = append(body, byte(len(asPublic)))
	body = append(body, asPublic...)
	return gcm.Seal(body, nonce, record, nil), nil
}
