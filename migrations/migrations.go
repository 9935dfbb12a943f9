// Package migrations holds the numbered SQL files that build the schema.
// Applied files are history: never edit one, add a new one.
//
// Numbering by area keeps parallel work from colliding: 0001–0099 core,
// 0100–0199 trading, 0200–0299 expert pool, 0300–0399 schedule,
// 0400–0499 evaluation and minutes, 0500–0599 hall, 0600–0699 archive.
package migrations

import "embed"

// FS holds the *.sql files.
//
//go:embed *.sql
var FS embed.FS
