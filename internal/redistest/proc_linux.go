package redistest

import "syscall"

// sysProcAttr makes the kernel kill redis-server if the test process dies
// before its cleanup runs.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
