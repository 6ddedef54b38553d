// Command zoombulk makes bulk changes to a Zoom account from spreadsheets and
// exports the account back out as spreadsheets.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/zoombulk/zoombulk/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdIO(), signalChannel()))
}

// signalChannel delivers Ctrl-C and SIGTERM to the command, which decides
// what a first and a second interrupt mean.
func signalChannel() <-chan os.Signal {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch
}
