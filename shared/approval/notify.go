package approval

import (
	"context"
	"slices"
)

// NotifyInput is the input of the Notify step.
type NotifyInput struct {
	State   Input         `json:"state"`
	Publish PublishResult `json:"publish"`
}

// Notify tells the drafter and every approver of the chain where the report now is.
func (s *Steps) Notify(ctx context.Context, in NotifyInput) error {
	if in.Publish.Skipped {
		return nil
	}
	ag, v, _, err := s.load(ctx, in.State)
	if err != nil {
		return err
	}
	to := []string{v.SubmittedBy}
	for _, l := range v.Chain {
		for _, a := range l.Approvers {
			if !slices.Contains(to, a) {
				to = append(to, a)
			}
		}
	}
	return s.send(ctx, publishedMessage(ag, v, to, in.Publish.URL))
}
