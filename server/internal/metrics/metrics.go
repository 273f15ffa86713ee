// Package metrics is what the reference server tells Prometheus: request
// durations by route and status, decisions by kind and outcome, rule
// reloads, audit commit batch sizes and store append latency.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one server's collectors, in a registry of its own (no global
// state: two servers in one process, as in tests, do not mix).
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.HistogramVec
	decisions   *prometheus.CounterVec
	reloads     *prometheus.CounterVec
	unapproved  prometheus.Counter
	lastReload  prometheus.Gauge
	auditBatch  prometheus.Histogram
	storeAppend *prometheus.HistogramVec
	auditGaps   prometheus.Gauge
}

// New returns the server's metrics, with the Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "celltherapy_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "status"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "celltherapy_decisions_total",
			Help: "Decisions answered (and audited), by kind and outcome.",
		}, []string{"kind", "outcome"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "celltherapy_rules_reloads_total",
			Help: "Rule reloads from the rules directory, by result (success or failure).",
		}, []string{"result"}),
		unapproved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "celltherapy_rules_reloads_unapproved_total",
			Help: "Rule reloads refused because a ruleset lacks the board's approval (--require-approval); counted among the failures too.",
		}),
		lastReload: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "celltherapy_rules_last_reload_success_timestamp_seconds",
			Help: "When the rules in force were loaded, as a Unix time.",
		}),
		auditBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "celltherapy_audit_commit_batch_size",
			Help:    "Audit entries committed together in one transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		storeAppend: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "celltherapy_store_append_duration_seconds",
			Help:    "Time to append durably, by store (audit, cases).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"store"}),
		auditGaps: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "celltherapy_audit_unaudited_events",
			Help: "Stored case events with no audit entry, found at start (left by an earlier version; celltherapy audit repair fills them).",
		}),
	}
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.registry.MustRegister(m.requests, m.decisions, m.reloads, m.unapproved, m.lastReload, m.auditBatch, m.storeAppend, m.auditGaps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry, for tests and for collectors of later parts.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ObserveRequest records one answered request.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}

// CountDecision records one decision answered.
func (m *Metrics) CountDecision(kind, outcome string) {
	m.decisions.WithLabelValues(kind, outcome).Inc()
}

// ObserveReload records a reload of the rules; at is when it happened.
func (m *Metrics) ObserveReload(ok bool, at time.Time) {
	if !ok {
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.lastReload.Set(float64(at.UnixNano()) / 1e9)
}

// CountUnapprovedReload records a reload refused for want of approvals.
func (m *Metrics) CountUnapprovedReload() { m.unapproved.Inc() }

// SetLoaded records when the rules in force at start were loaded.
func (m *Metrics) SetLoaded(at time.Time) { m.lastReload.Set(float64(at.UnixNano()) / 1e9) }

// ObserveAuditBatch records the size of one audit commit.
func (m *Metrics) ObserveAuditBatch(n int) { m.auditBatch.Observe(float64(n)) }

// ObserveStoreAppend records how long a durable append to store took
// ("audit" here; the case store reports as "cases").
func (m *Metrics) ObserveStoreAppend(store string, d time.Duration) {
	m.storeAppend.WithLabelValues(store).Observe(d.Seconds())
}

// SetAuditGaps records how many stored events have no audit entry.
func (m *Metrics) SetAuditGaps(n int) { m.auditGaps.Set(float64(n)) }
