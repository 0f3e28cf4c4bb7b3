package match

// A WindowsData is an event in the Windows shape (FromJSON): its own
// fields apart from the System ones, for code that rebuilds the event as a
// target stores it.
type WindowsData interface {
	Event
	// Data returns the event's own fields, from EventData or from the one
	// element of UserData, and the name of that element ("" for
	// EventData). The map must not be changed.
	Data() (fields map[string]any, userData string)
}

// Data returns the fields of EventData, or of UserData's element and its
// name.
func (e *winEvent) Data() (map[string]any, string) {
	ev, _ := e.all["Event"].(map[string]any)
	if _, ok := ev["EventData"].(map[string]any); !ok {
		if ud, ok := ev["UserData"].(map[string]any); ok {
			for _, k := range sortedKeys(ud) {
				if _, ok := ud[k].(map[string]any); ok {
					return e.data, k
				}
			}
		}
	}
	return e.data, ""
}
