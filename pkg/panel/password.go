package panel

import (
	"crypto/rand"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the cost of password hashes: about 50 ms a check
// on the project's machines.
const DefaultBcryptCost = 10

// Password limits: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 10
	MaxPasswordBytes  = 72
)

// CheckNewPassword says what is wrong with a password someone wants, or nil.
func CheckNewPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return errors.New("is not valid UTF-8 text")
	case n < MinPasswordLength:
		return fmt.Errorf("is %d characters long; use at least %d", n, MinPasswordLength)
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("is %d bytes long; at most %d (bcrypt reads no more)", len(pw), MaxPasswordBytes)
	}
	return nil
}

// HashPassword checks pw with CheckNewPassword and hashes it with bcrypt,
// for users.password_hash.
func HashPassword(pw string) (string, error) {
	if err := CheckNewPassword(pw); err != nil {
		return "", fmt.Errorf("password %w", err)
	}
	h, err := hashPassword(pw, DefaultBcryptCost)
	return string(h), err
}

func hashPassword(pw string, cost int) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// passwordMatches reports whether pw is the password of hash; a hash that
// is not bcrypt never matches.
func passwordMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// randomPassword makes a password to hand to someone: 26 characters of
// base32, 128 random bits.
func randomPassword() string { return rand.Text() }
