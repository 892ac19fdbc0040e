package desk

import "net/http"

// indexRoutes adds the pages of the neighbourhood index.
func (s *Server) indexRoutes(in func(string, func(w http.ResponseWriter, r *http.Request, ss *session))) {
}
