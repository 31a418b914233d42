package pushtest

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

// The aes128gcm header (RFC 8188 §2.1) of a push: salt(16) | rs(4) |
// idlen(1) | keyid(idlen), the key id being the sender's ephemeral public
// key, 65 bytes (RFC 8291 §4).
const (
	saltLen   = 16
	headerLen = saltLen + 4 + 1 + 65
	tagLen    = 16
)

// decrypt opens an aes128gcm push body (RFC 8291) as the browser holding
// the subscription's private key and auth secret would, and returns the
// payload without its padding.
func decrypt(body []byte, uaPriv *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if len(body) < headerLen {
		return nil, fmt.Errorf("body is %d bytes, shorter than the %d-byte header", len(body), headerLen)
	}
	salt := body[:saltLen]
	rs := binary.BigEndian.Uint32(body[saltLen : saltLen+4])
	if idlen := body[saltLen+4]; idlen != 65 {
		return nil, fmt.Errorf("key id is %d bytes; want a 65-byte P-256 public key", idlen)
	}
	asPublic := body[saltLen+5 : headerLen]
	ciphertext := body[headerLen:]
	switch {
	case rs < tagLen+2:
		return nil, fmt.Errorf("record size %d is below %d", rs, tagLen+2)
	case uint64(len(ciphertext)) > uint64(rs):
		return nil, fmt.Errorf("ciphertext of %d bytes is more than one record of %d: a push is a single record", len(ciphertext), rs)
	case len(ciphertext) < tagLen+1:
		return nil, fmt.Errorf("ciphertext of %d bytes is too short", len(ciphertext))
	}
	asKey, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("key id: %w", err)
	}
	ecdhSecret, err := uaPriv.ECDH(asKey)
	if err != nil {
		return nil, fmt.Errorf("ecdh: %w", err)
	}
	// RFC 8291 §3.4: IKM from the ECDH secret and the auth secret, bound to
	// both public keys; then RFC 8188 §2.2-2.3: the content key and nonce.
	keyInfo := "WebPush: info\x00" + string(uaPriv.PublicKey().Bytes()) + string(asPublic)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, authSecret, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The only record is record 0: its nonce is NONCE XOR 0.
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, errors.New("authentication failed: wrong keys or a tampered body")
	}
	// The last record ends with the delimiter 0x02, then zero padding.
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 0x02 {
		return nil, errors.New("no last-record delimiter (0x02) before the padding")
	}
	return plain[:i], nil
}
