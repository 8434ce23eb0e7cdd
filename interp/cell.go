package interp

import (
	"go/scanner"
	"go/token"
)

// chunkKind tells how a piece of a cell is compiled.
type chunkKind int

const (
	chunkImport chunkKind = iota // import declarations
	chunkDecl                    // func, method, type, var and const declarations
	chunkStmts                   // statements, run in the session's global scope
)

// chunk is a run of a cell's source of one kind, as byte offsets.
type chunk struct {
	kind       chunkKind
	start, end int
}

// splitCell cuts a cell into chunks in the order they are written:
// imports, runs of declarations and runs of statements. It only looks at
// tokens at bracket depth zero, so a func literal in a statement stays in
// the statement.
func splitCell(code string) []chunk {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var s scanner.Scanner
	s.Init(file, []byte(code), func(token.Position, string) {}, scanner.ScanComments)

	type tok struct {
		pos int
		tok token.Token
	}
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		if t == token.SEMICOLON && lit == "\n" {
			// automatic semicolons sit at the newline; keep them as separators
			toks = append(toks, tok{file.Offset(pos), t})
			continue
		}
		toks = append(toks, tok{file.Offset(pos), t})
	}

	var chunks []chunk
	add := func(kind chunkKind, start, end int) {
		if start >= end {
			return
		}
		if n := len(chunks); n > 0 && chunks[n-1].kind == kind && kind != chunkImport {
			chunks[n-1].end = end
			return
		}
		chunks = append(chunks, chunk{kind, start, end})
	}

	i := 0
	for i < len(toks) {
		// skip separators between statements
		if toks[i].tok == token.SEMICOLON {
			i++
			continue
		}
		start := i
		// leading comments belong to what follows them
		for i < len(toks) && toks[i].tok == token.COMMENT {
			i++
		}
		if i == len(toks) {
			break
		}
		kind := chunkStmts
		switch toks[i].tok {
		case token.IMPORT:
			kind = chunkImport
		case token.TYPE, token.VAR, token.CONST:
			kind = chunkDecl
		case token.FUNC:
			if isFuncDecl(toks, i, func(j int) token.Token { return toks[j].tok }) {
				kind = chunkDecl
			}
		}
		// find the end: the next semicolon at depth zero
		depth := 0
		j := i
		for ; j < len(toks); j++ {
			switch toks[j].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			case token.SEMICOLON:
				if depth <= 0 {
					goto done
				}
			}
		}
	done:
		end := len(code)
		if j < len(toks) {
			end = toks[j].pos
		}
		add(kind, toks[start].pos, end)
		i = j
	}
	return chunks
}

// isFuncDecl tells whether the func keyword at toks[i] starts a function
// or method declaration rather than a function literal.
func isFuncDecl[T any](toks []T, i int, at func(int) token.Token) bool {
	if i+1 >= len(toks) {
		return false
	}
	switch at(i + 1) {
	case token.IDENT:
		return true
	case token.LPAREN:
		// a method has a receiver list followed by a name and "(" or "["
		depth := 0
		for j := i + 1; j < len(toks); j++ {
			switch at(j) {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
				if depth == 0 {
					return j+2 < len(toks) && at(j+1) == token.IDENT && at(j+2) == token.LPAREN
				}
			}
		}
	}
	return false
}
