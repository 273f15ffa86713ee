// Command clinicserver shows the library mounted in a clinic's own net/http
// service: its own routes, its own sign-in (here a header a gateway in
// front would set), a contraindication screener and a patient's case on a
// SQLite file or in memory. The reference server (celltherapy serve) does
// all this and more; this is the least that works.
//
//	go run ./examples/clinicserver -addr 127.0.0.1:8090 -db cases.db
//	curl -s -H 'X-Clinic-User: dr-1 doctor' --data @examples/patient.json http://127.0.0.1:8090/screen
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/reocell/celltherapy/eligibility"
	"github.com/reocell/celltherapy/procedure"
	"github.com/reocell/celltherapy/procedure/sqlite"
	"github.com/reocell/celltherapy/rules"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	db := flag.String("db", "", "SQLite file of the cases (empty: in memory)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var store procedure.Store = procedure.NewMemoryStore()
	if *db != "" {
		s, err := sqlite.Open(ctx, *db)
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		store = s
	}
	srv := &http.Server{Addr: *addr, Handler: newClinic(eligibility.NewDefaultScreener(), procedure.NewCases(store))}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// clinic is the clinic's service: the library's parts behind its routes.
type clinic struct {
	screener *eligibility.Screener
	cases    *procedure.Cases
}

// newClinic returns the clinic's handler.
func newClinic(screener *eligibility.Screener, cases *procedure.Cases) http.Handler {
	c := &clinic{screener: screener, cases: cases}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /screen", c.screen)
	mux.HandleFunc("POST /cases", c.open)
	mux.HandleFunc("POST /cases/{id}/commands", c.give)
	mux.HandleFunc("GET /cases/{id}", c.get)
	return signedIn(mux)
}

type actorKey struct{}

// signedIn reads who is calling from X-Clinic-User ("ID ROLE"), which the
// clinic's gateway sets after its own sign-in; a real service checks it.
func signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, role, ok := strings.Cut(r.Header.Get("X-Clinic-User"), " ")
		if !ok || id == "" {
			fail(w, http.StatusUnauthorized, errors.New("sign in first (X-Clinic-User: ID ROLE)"))
			return
		}
		actor := procedure.Actor{ID: id, Role: procedure.Role(role)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	})
}

func actorOf(r *http.Request) procedure.Actor { return r.Context().Value(actorKey{}).(procedure.Actor) }

// screen screens the facts in the body with the clinic's rules.
func (c *clinic) screen(w http.ResponseWriter, r *http.Request) {
	facts, err := eligibility.Kind().DecodeReader(r.Body, 0) // strict, bounded
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	d, err := c.screener.Screen(r.Context(), facts)
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	reply(w, http.StatusOK, d)
}

// open opens a case with an open-case command.
func (c *clinic) open(w http.ResponseWriter, r *http.Request) {
	cmd, ok := command(w, r)
	if !ok {
		return
	}
	oc, isOpen := cmd.(*procedure.OpenCase)
	if !isOpen {
		fail(w, http.StatusBadRequest, errors.New("POST /cases takes an open-case command"))
		return
	}
	res, err := c.cases.Open(r.Context(), actorOf(r), oc)
	answer(w, http.StatusCreated, res, err)
}

// give gives a case a command.
func (c *clinic) give(w http.ResponseWriter, r *http.Request) {
	cmd, ok := command(w, r)
	if !ok {
		return
	}
	res, err := c.cases.Give(r.Context(), r.PathValue("id"), actorOf(r), cmd)
	answer(w, http.StatusOK, res, err)
}

// get returns a case.
func (c *clinic) get(w http.ResponseWriter, r *http.Request) {
	cs, err := c.cases.Case(r.Context(), r.PathValue("id"))
	answer(w, http.StatusOK, cs, err)
}

// command decodes the command in the body, or answers 400.
func command(w http.ResponseWriter, r *http.Request) (procedure.Command, bool) {
	data, err := io.ReadAll(io.LimitReader(r.Body, rules.DefaultMaxFactsBytes))
	if err == nil {
		var cmd procedure.Command
		if cmd, err = procedure.DecodeCommand(data); err == nil {
			return cmd, true
		}
	}
	fail(w, http.StatusBadRequest, err)
	return nil, false
}

// answer replies with v, or with the status procedure's error stands for.
func answer(w http.ResponseWriter, ok int, v any, err error) {
	switch {
	case err == nil:
		reply(w, ok, v)
	case errors.Is(err, procedure.ErrNotFound):
		fail(w, http.StatusNotFound, err)
	case errors.Is(err, procedure.ErrForbidden):
		fail(w, http.StatusForbidden, err)
	case errors.Is(err, procedure.ErrConflict):
		fail(w, http.StatusConflict, err)
	case errors.Is(err, procedure.ErrInvalid), errors.Is(err, procedure.ErrRefused):
		fail(w, http.StatusUnprocessableEntity, err)
	default:
		log.Printf("internal error: %v", err)
		fail(w, http.StatusInternalServerError, errors.New("internal error"))
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, err error) {
	reply(w, status, map[string]string{"error": err.Error()})
}
