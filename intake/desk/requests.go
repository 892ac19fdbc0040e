package desk

import "net/http"

// requestRoutes adds the pages of the organisation's data requests.
func (s *Server) requestRoutes(in func(string, func(w http.ResponseWriter, r *http.Request, ss *session))) {
}
