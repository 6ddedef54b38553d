// Command zoombulk makes bulk changes to a Zoom account from spreadsheets and
// exports the account back out as spreadsheets.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"

	"github.com/zoombulk/zoombulk/internal/cli"
)

// sampleSeed lets --sandbox show the sample account wherever it runs.
//
//go:embed samples/sandbox-seed.yaml
var sampleSeed []byte

func main() {
	cli.SampleSeed = sampleSeed
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdIO(), signalChannel()))
}

// signalChannel delivers Ctrl-C and SIGTERM to the command, which decides
// what a first and a second interrupt mean.
func signalChannel() <-chan os.Signal {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch
}
