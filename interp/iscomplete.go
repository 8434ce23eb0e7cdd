package interp

import (
	"go/scanner"
	"go/token"
	"strings"
)

// IsComplete tells a front end whether code is ready to run: "complete",
// "incomplete" (open brackets, an unterminated raw string or comment, or a
// line that ends in an operator) with the indent for the next line, or
// "invalid" when more text cannot make it valid Go ("unknown" should the
// check itself fail).
func (s *Session) IsComplete(code string) (status, indent string) {
	defer func() {
		if recover() != nil {
			status, indent = "unknown", ""
		}
	}()
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	unterminated, broken := false, false
	sc.Init(file, []byte(code), func(pos token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		} else {
			broken = true
		}
	}, 0)
	depth := 0
	last := token.ILLEGAL
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				return "invalid", ""
			}
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		last = tok
	}
	if unterminated {
		return "incomplete", ""
	}
	if broken {
		return "invalid", ""
	}
	if depth > 0 {
		return "incomplete", strings.Repeat("\t", depth)
	}
	if continues(last) {
		return "incomplete", "\t"
	}
	if err := syntaxCheck(code); err != nil {
		return "invalid", ""
	}
	return "complete", ""
}

// continues tells whether a line ending in tok must go on.
func continues(tok token.Token) bool {
	switch tok {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR,
		token.SHL, token.SHR, token.AND_NOT, token.LAND, token.LOR, token.EQL, token.NEQ,
		token.LSS, token.LEQ, token.GTR, token.GEQ, token.ASSIGN, token.DEFINE, token.COMMA,
		token.PERIOD, token.ARROW, token.COLON,
		token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN, token.QUO_ASSIGN:
		return true
	}
	return false
}

// syntaxCheck parses a cell the way Execute does, without running it.
func syntaxCheck(code string) error {
	fset := token.NewFileSet()
	for _, ch := range splitCell(code) {
		text := code[ch.start:ch.end]
		var src string
		if ch.kind == chunkStmts {
			src = "package main;func main(){" + text + "\n}"
		} else {
			src = "package main;" + text
		}
		if _, err := parseFile(fset, src); err != nil {
			return err
		}
	}
	return nil
}
