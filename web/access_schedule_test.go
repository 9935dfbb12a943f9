package web

// scheduleAccess lists who may call each route of the schedule area.
var scheduleAccess = []access{}
