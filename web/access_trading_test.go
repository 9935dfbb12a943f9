package web

// tradingAccess lists who may call each route of the trading area.
var tradingAccess = []access{}
