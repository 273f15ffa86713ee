package procedure

import (
	"slices"
	"strings"
)

// The guards of the board and the patient's agreement (clinic procedure,
// 03 and 04).

func handleScreen(t *turn, cmd *Screen) error {
	purpose := ForBoard
	if t.c.Stage == Administering {
		purpose = ForAdministration
	}
	d, rec, err := t.deciders.screen(t.ctx, cmd.Facts, t.at(), t.params.Location)
	if err != nil {
		return err
	}
	d.Purpose = purpose
	return t.emit(ScreeningRecorded, d, rec)
}

func handleSelectTherapy(t *turn, cmd *SelectTherapy) error {
	d, rec, err := t.deciders.selectTherapy(t.ctx, cmd.Facts, t.at(), t.params.Location)
	if err != nil {
		return err
	}
	return t.emit(TherapySelected, d, rec)
}

// boardScreening is the rule that the board acts on an eligible screening.
func boardScreening(c *Case) error {
	s := c.Screening
	switch {
	case s == nil:
		return refuse("board-screening-eligible", "no screening is recorded; screen the patient first")
	case s.Outcome == "undetermined":
		return refuse("board-screening-eligible", "the latest screening (version %d) is undetermined: facts are missing; screen again with them", s.Version)
	case s.Outcome != "eligible":
		return refuse("board-screening-eligible", "the latest screening (version %d) is %s (%s): decline instead", s.Version, s.Outcome, strings.Join(s.Findings, ", "))
	}
	return nil
}

func quorum(t *turn, members []string) error {
	if len(members) < t.params.BoardQuorum {
		return refuse("board-quorum", "%d board members took part; the quorum is %d", len(members), t.params.BoardQuorum)
	}
	return nil
}

func handleProposePlan(t *turn, cmd *ProposePlan) error {
	if err := quorum(t, cmd.Quorum); err != nil {
		return err
	}
	if err := boardScreening(t.c); err != nil {
		return err
	}
	th := t.c.Therapy
	if th == nil {
		return refuse("board-therapy-suitable", "no therapy decision is recorded; select the therapy first")
	}
	suitable := th.AutologousSuitable
	if cmd.Therapy == "allogeneic" {
		suitable = th.AllogeneicSuitable
	}
	if suitable == nil || !*suitable {
		state := "not suitable"
		if suitable == nil {
			state = "still undetermined"
		}
		return refuse("board-therapy-suitable", "the therapy decision (version %d) finds %s therapy %s", th.Version, cmd.Therapy, state)
	}
	if cmd.Therapy == "autologous" && t.c.Product.CultureFailures > 0 && th.Version < t.lastFailure() {
		return refuse("board-therapy-after-failure", "the culture failed after the therapy decision (version %d); record a new decision before collecting again", th.Version)
	}
	if len(th.Routes) > 0 && !slices.Contains(th.Routes, cmd.Route) {
		return refuse("board-route-from-therapy", "route %s is not one of the therapy decision's routes (%s)", cmd.Route, strings.Join(th.Routes, ", "))
	}
	p := cmd.Plan
	if err := t.emit(PlanProposed, planData{p}, nil); err != nil {
		return err
	}
	return t.move(Consent)
}

// lastFailure is the version of the latest culture failure among the
// events of the case so far, or 0.
func (t *turn) lastFailure() int { return t.c.lastFailure }

func handleDecline(t *turn, cmd *Decline) error {
	if err := quorum(t, cmd.Quorum); err != nil {
		return err
	}
	s := t.c.Screening
	if s == nil || s.Outcome != "ineligible" {
		return refuse("decline-on-contraindication", "the board declines on a contraindication, and the latest screening found none")
	}
	cl := Closure{Outcome: Declined, Reason: cmd.Reason, Findings: s.Findings}
	if !s.Permanent {
		cl.RescreenFrom = s.RescreenFrom
	}
	return t.close(cl)
}

func handleAgree(t *turn, _ *Agree) error {
	if err := t.emit(ConsentGiven, struct{}{}, nil); err != nil {
		return err
	}
	return t.move(Preparation)
}

func handleRefuse(t *turn, cmd *Refuse) error {
	if err := t.emit(ConsentRefused, refusalData{Reason: cmd.Reason, Revise: cmd.Revise}, nil); err != nil {
		return err
	}
	if cmd.Revise {
		return t.move(BoardReview)
	}
	return t.close(Closure{Outcome: Refused, Reason: cmd.Reason})
}
