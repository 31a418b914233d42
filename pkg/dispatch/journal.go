package dispatch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// The journal is a run's local record of its results, one file under
// invoke.state_dir. Each result is written to it (write(2), no fsync) as
// soon as its send returns, before the database hears of it, so that a
// kill -9 forgets only the sends under way; over a database whose commits
// are durable it is fsync'd before each database write, so that a crash of
// the host forgets at most one write's worth (Options.SyncJournal); and
// what the database did not take stays in it, fsync'd, when the run ends.
// The next run records every journal left behind before it claims
// anything: its results go to the database as if the dead run had written
// them (store.Finish for that run's lease owner, which changes nothing for
// a claim that was recorded or taken over since, so replaying twice is
// harmless).
//
// A live run holds an exclusive flock on its journal; a journal that can be
// locked belongs to a run that ended.

const (
	journalPrefix = "pfsnotify-invoke-"
	journalSuffix = ".journal"
	journalFormat = 1
)

// journalHeader is a journal's first line.
type journalHeader struct {
	Format   int    `json:"journal"`
	Owner    string `json:"owner"`    // the run's lease owner
	Database string `json:"database"` // the database it was for, as store.Store.Name says
}

// journal is one run's own journal file.
type journal struct {
	path      string
	f         *os.File
	headerLen int64
	syncEach  bool // fsync before each database write (Options.SyncJournal)

	mu                  sync.Mutex // guards appended, committed, line and the file's length
	appended, committed int
	line                []byte // the line being written, reused
}

// journalGlob matches the journals of one database in dir.
func journalGlob(dir, scope string) string {
	return filepath.Join(dir, journalPrefix+scope+"-*"+journalSuffix)
}

// openJournal creates and locks the journal of the run owner. It is made
// under a temporary name and renamed once locked, so that no other run
// can take it for a dead run's.
func openJournal(dir, scope, owner, database string, syncEach bool) (*journal, error) {
	tmp, err := os.CreateTemp(dir, ".new-"+journalPrefix)
	if err != nil {
		return nil, fmt.Errorf("create journal in invoke.state_dir %s: %w", dir, err)
	}
	fail := func(err error) (*journal, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("create journal in invoke.state_dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(tmp.Fd()), syscall.LOCK_EX); err != nil {
		return fail(err)
	}
	header, err := json.Marshal(journalHeader{Format: journalFormat, Owner: owner, Database: database})
	if err != nil {
		return fail(err)
	}
	header = append(header, '\n')
	if _, err := tmp.Write(header); err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, journalPrefix+scope+"-"+fileSafe(owner)+journalSuffix)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return &journal{path: path, f: tmp, headerLen: int64(len(header)), syncEach: syncEach}, nil
}

// fileSafe keeps letters, digits, '-' and '_' of s; the rest become '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// append writes r to the journal. It does not wait for the disk: a killed
// process's writes are the kernel's, and sync makes them durable.
func (j *journal) append(r store.Result) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.line = append(appendResultLine(j.line[:0], r), '\n')
	j.appended++
	if _, err := j.f.Write(j.line); err != nil {
		return fmt.Errorf("journal result of delivery #%d in %s: %w", r.ID, j.path, err)
	}
	return nil
}

// sync makes every result appended so far durable, before a database
// write, when the journal is to be synced before each.
func (j *journal) sync() error {
	if !j.syncEach {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

// recorded says that n more results are in the database. When every
// result appended is, the journal is cut back to its header: it holds only
// what the database does not.
func (j *journal) recorded(n int) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.committed += n
	if j.committed < j.appended {
		return nil
	}
	if err := j.f.Truncate(j.headerLen); err != nil {
		return fmt.Errorf("truncate journal %s: %w", j.path, err)
	}
	if _, err := j.f.Seek(j.headerLen, io.SeekStart); err != nil {
		return fmt.Errorf("truncate journal %s: %w", j.path, err)
	}
	return nil
}

// close ends the run's journal: removed when the database has every
// result, else synced and kept (unlocked) for the next run, which it
// returns the path of.
func (j *journal) close() (kept string, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.committed >= j.appended {
		os.Remove(j.path)
		return "", j.f.Close()
	}
	err = j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return j.path, err
}

// replayJournals records the results in the journals that ended runs left
// in dir for this database, then removes them. It returns how many results
// it read; an error leaves the journal that failed (and those after it) for
// the next run.
func (d *Dispatcher) replayJournals(ctx context.Context) (int, error) {
	paths, err := filepath.Glob(journalGlob(d.opts.StateDir, d.opts.JournalScope))
	if err != nil {
		return 0, fmt.Errorf("find journals: %w", err)
	}
	total := 0
	for _, path := range paths {
		n, err := d.replayJournal(ctx, path)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// replayJournal records one journal if no live run holds it.
func (d *Dispatcher) replayJournal(ctx context.Context, path string) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil // another run replayed it just now
	}
	if err != nil {
		return 0, fmt.Errorf("open journal %s: %w", path, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return 0, nil // a live run's
		}
		return 0, fmt.Errorf("lock journal %s: %w", path, err)
	}
	if !samePath(f, path) {
		return 0, nil // replayed and removed while we waited for the lock
	}
	header, results, err := readJournal(f)
	if err != nil {
		return 0, fmt.Errorf("read journal %s: %w", path, err)
	}
	for chunk := range slices.Chunk(results, d.opts.BatchSize) {
		lost, err := d.finish(ctx, header.Owner, chunk)
		if err != nil {
			return 0, fmt.Errorf("record the %d results of journal %s: %w", len(results), path, err)
		}
		if len(lost) > 0 {
			d.opts.Log.Info("journal: results already recorded, or claims taken over since", "journal", path, "count", len(lost))
		}
	}
	if err := os.Remove(path); err != nil {
		return len(results), fmt.Errorf("remove journal %s: %w", path, err)
	}
	if len(results) > 0 {
		d.opts.Log.Warn("recorded the results of an earlier run from its journal", "journal", path,
			"owner", header.Owner, "count", len(results))
	}
	return len(results), nil
}

// samePath says whether path still names the file f is open on.
func samePath(f *os.File, path string) bool {
	open, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Stat(path)
	return err == nil && os.SameFile(open, named)
}

// readJournal reads a journal's header and results. A last line cut short
// (the run was killed while writing it) is left out.
func readJournal(f *os.File) (journalHeader, []store.Result, error) {
	var header journalHeader
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	if !sc.Scan() {
		return header, nil, errors.Join(errors.New("no header"), sc.Err())
	}
	if err := json.Unmarshal(sc.Bytes(), &header); err != nil || header.Format != journalFormat || header.Owner == "" {
		return header, nil, fmt.Errorf("not a journal of this pfsnotify (format %d): %q", journalFormat, sc.Text())
	}
	var results []store.Result
	var cut error
	for sc.Scan() {
		if cut != nil {
			return header, nil, cut // a bad line that is not the last one
		}
		var r store.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == 0 {
			cut = fmt.Errorf("line %d: %q is not a result", len(results)+2, sc.Text())
			continue
		}
		results = append(results, r)
	}
	return header, results, sc.Err()
}
