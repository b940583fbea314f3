package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

var terminateSignal = syscall.SIGTERM

// childAttr makes a child die with this process (Linux parent-death signal).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Memory is a process's resident memory, from /proc/PID/status.
type Memory struct {
	// RSS is VmRSS, the resident set now, in bytes.
	RSS int64
	// HWM is VmHWM, the peak resident set, in bytes.
	HWM int64
}

// ReadMemory reads the resident memory of process pid.
func ReadMemory(pid int) (Memory, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, err
	}
	return parseStatus(data)
}

// CountFDs counts the open file descriptors of process pid
// (/proc/PID/fd).
func CountFDs(pid int) (int, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	return len(names), err
}

// parseStatus reads VmRSS and VmHWM ("VmRSS:	  123456 kB") from the text
// of /proc/PID/status.
func parseStatus(data []byte) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(key) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return m, fmt.Errorf("bad /proc status line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return m, fmt.Errorf("bad /proc status line %q", sc.Text())
		}
		*dst = kb << 10
		found++
	}
	if found < 2 {
		return m, fmt.Errorf("no VmRSS/VmHWM in /proc status")
	}
	return m, nil
}

// RaiseFileLimit raises this process's soft RLIMIT_NOFILE to want, or to the
// hard limit when that is lower, and returns the soft and hard limits in
// force afterwards. Children started later inherit them.
func RaiseFileLimit(want uint64) (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	if lim.Cur < want {
		lim.Cur = min(want, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, err
		}
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, err
		}
	}
	return lim.Cur, lim.Max, nil
}
