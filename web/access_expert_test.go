package web

// expertAccess lists who may call each route of the expert area.
var expertAccess = []access{}
