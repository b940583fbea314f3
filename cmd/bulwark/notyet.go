package main

import (
	"context"
	"fmt"
	"io"
)

func notBuilt(name string) func(context.Context, []string, io.Writer, io.Writer) error {
	return func(_ context.Context, _ []string, _, _ io.Writer) error {
		return fmt.Errorf("%s is not built yet", name)
	}
}

var (
	runDemo  = notBuilt("demo")
	runBench = notBuilt("bench")
)
