// Command gen writes the yaegi symbol tables of package symbols, one file
// per compiled package that cells may use. Packages of the project that do
// not exist yet, or do not build, are skipped with a note; files of packages
// that are no longer listed are removed.
//
// With -check, gen writes nothing and exits with status 1 when a table on
// disk differs from what would be generated.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/descentlab/descent/interp/symbols/internal/symgen"
)

func main() {
	check := flag.Bool("check", false, "report stale tables instead of writing them")
	dir := flag.String("dir", ".", "directory of package symbols")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("symbols: ")

	tables, skipped, err := symgen.Generate(symgen.Packages)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range skipped {
		log.Printf("skipped %s", s)
	}
	if *check {
		stale, err := symgen.Stale(*dir, tables)
		if err != nil {
			log.Fatal(err)
		}
		for _, s := range stale {
			fmt.Println("stale:", s)
		}
		if len(stale) > 0 {
			os.Exit(1)
		}
		return
	}
	if err := symgen.Write(*dir, tables); err != nil {
		log.Fatal(err)
	}
}
