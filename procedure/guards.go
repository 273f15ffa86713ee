package procedure

import (
	"slices"
	"time"
)

// The guards of the first stages: booking, consultation, diagnostics.

func handleOpen(t *turn, cmd *OpenCase) error {
	return t.emit(CaseOpened, caseOpenedData{Patient: cmd.Patient}, nil)
}

func handleBook(t *turn, cmd *BookAppointment) error {
	if cmd.Slot.Before(t.at()) {
		return refuse("slot-in-future", "the slot %s is before the booking %s", cmd.Slot.Format(time.RFC3339), t.at().Format(time.RFC3339))
	}
	if err := t.emit(AppointmentBooked, appointmentData{Reason: cmd.Reason, Specialist: cmd.Specialist, Slot: instant(cmd.Slot)}, nil); err != nil {
		return err
	}
	return t.move(Consultation)
}

func handleCancel(t *turn, cmd *CancelCase) error {
	if len(t.c.Consultation) > 0 {
		return refuse("cancel-before-consultation", "the consultation has begun; the patient may withdraw instead")
	}
	return t.close(Closure{Outcome: Cancelled, Reason: cmd.Reason})
}

func handleConsultation(t *turn, cmd *RecordConsultation) error {
	if err := t.emit(ConsultationRecorded, consultationData{Item: cmd.Item, Text: cmd.Text, Measures: cmd.Measures}, nil); err != nil {
		return err
	}
	for _, it := range ConsultationItems() {
		if _, ok := t.c.Consultation[it]; !ok {
			return nil
		}
	}
	if len(t.c.Measures) == 0 {
		return t.move(BoardReview)
	}
	return t.move(Diagnostics)
}

func handleMeasureResult(t *turn, cmd *RecordMeasure) error {
	return resolveMeasure(t, MeasureResulted, measureData{Measure: cmd.Measure, Result: cmd.Result})
}

func handleMeasureCancel(t *turn, cmd *CancelMeasure) error {
	return resolveMeasure(t, MeasureCancelled, measureData{Measure: cmd.Measure, Reason: cmd.Reason})
}

func resolveMeasure(t *turn, typ EventType, d measureData) error {
	i := slices.IndexFunc(t.c.Measures, func(m Measure) bool { return m.ID == d.Measure })
	if i < 0 {
		return refuse("measure-planned", "measure %q is not in the diagnostic plan", d.Measure)
	}
	if t.c.Measures[i].Status != MeasurePlanned {
		return refuse("measure-planned", "measure %q is already %s", d.Measure, t.c.Measures[i].Status)
	}
	if err := t.emit(typ, d, nil); err != nil {
		return err
	}
	for _, m := range t.c.Measures {
		if m.Status == MeasurePlanned {
			return nil
		}
	}
	return t.move(BoardReview)
}

func handleWithdraw(t *turn, cmd *Withdraw) error {
	return t.close(Closure{Outcome: Withdrawn, Reason: cmd.Reason})
}
