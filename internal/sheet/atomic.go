package sheet

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// AtomicFile is a file written under a temporary name in its final folder
// and renamed into place by Commit: no reader ever sees half a file, and a
// failure leaves an earlier file of that name as it was.
type AtomicFile struct {
	*os.File
	path string
	done bool
}

// CreateAtomic starts writing path.
func CreateAtomic(path string) (*AtomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &AtomicFile{File: f, path: path}, nil
}

// Commit closes the file and puts it under its final name; on failure the
// temporary file is removed.
func (f *AtomicFile) Commit() error {
	if f.done {
		return errors.New("sheet: file already committed or aborted")
	}
	f.done = true
	err := f.File.Close()
	if err == nil {
		_ = os.Chmod(f.Name(), 0o644)
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// Abort drops the file; a no-op after Commit.
func (f *AtomicFile) Abort() {
	if f.done {
		return
	}
	f.done = true
	_ = f.File.Close()
	_ = os.Remove(f.Name())
}

// WriteAtomic writes path through write, all or nothing.
func WriteAtomic(path string, write func(io.Writer) error) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
