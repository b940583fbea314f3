//go:build !linux

package bench

import (
	"errors"
	"os"
	"syscall"
)

var terminateSignal = os.Interrupt

func childAttr() *syscall.SysProcAttr { return nil }

// Memory is a process's resident memory (Linux only).
type Memory struct {
	// RSS is the resident set now, in bytes.
	RSS int64
	// HWM is the peak resident set, in bytes.
	HWM int64
}

var errNotLinux = errors.New("needs Linux (/proc, RLIMIT_NOFILE)")

// ReadMemory is only implemented on Linux.
func ReadMemory(pid int) (Memory, error) { return Memory{}, errNotLinux }

// CountFDs is only implemented on Linux.
func CountFDs(pid int) (int, error) { return 0, errNotLinux }

// RaiseFileLimit is only implemented on Linux.
func RaiseFileLimit(want uint64) (soft, hard uint64, err error) { return 0, 0, errNotLinux }
