// Package templates holds the HTML templates and static assets (no CDN: the
// centre runs on a closed network).
package templates

import "embed"

// FS holds layout/*.html, pages/*.html and static/*.
//
//go:embed layout/*.html pages/*.html static/*
var FS embed.FS
