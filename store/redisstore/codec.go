package redisstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/bulwarkhq/bulwark/store"
)

// entryVersion is the first byte of an encoded cache entry.
const entryVersion = 1

var errBadEntry = errors.New("redisstore: malformed cache entry")

// encodeEntry lays e out as: version byte, uvarint len(model), model, varint
// StoredAt (unix ns), body.
func encodeEntry(e store.Entry) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64*2+len(e.Model)+len(e.Body))
	b = append(b, entryVersion)
	b = binary.AppendUvarint(b, uint64(len(e.Model)))
	b = append(b, e.Model...)
	b = binary.AppendVarint(b, e.StoredAt.UnixNano())
	return append(b, e.Body...)
}

func decodeEntry(b []byte) (store.Entry, error) {
	if len(b) == 0 || b[0] != entryVersion {
		return store.Entry{}, errBadEntry
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return store.Entry{}, errBadEntry
	}
	model := string(b[k : k+int(n)])
	b = b[k+int(n):]
	at, k := binary.Varint(b)
	if k <= 0 {
		return store.Entry{}, errBadEntry
	}
	return store.Entry{Model: model, StoredAt: time.Unix(0, at), Body: b[k:]}, nil
}
