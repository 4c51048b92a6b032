module lifetime/pause

go 1.25
