package jobs

// contactState is what contact_groups read before deciding.
type contactState struct{}
