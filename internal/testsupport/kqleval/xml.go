package kqleval

import (
	"encoding/xml"
	"io"
	"strings"
)

// parseXML is parse_xml(): the XML text as a dynamic value, null when it
// is not well-formed XML. The conversion of the Kusto documentation
// ("parse_xml()"): <e/> is {"e": null}; <e>text</e> is {"e": "text"};
// attributes are "@name" members and the text beside them or beside child
// elements "#text"; child elements are members, repeated ones an array.
// Only elements, attributes and text are translated. Text stays a string
// (the page's example shows numbers, its conversion table strings: the
// evaluator follows the table).
func parseXML(a []Value) (Value, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, nil
	}
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, nil
		}
		if start, ok := tok.(xml.StartElement); ok {
			v, err := xmlElement(d, start)
			if err != nil {
				return nil, nil
			}
			return map[string]any{start.Name.Local: v}, nil
		}
	}
}

// xmlElement converts the element that start opens, up to its end.
func xmlElement(d *xml.Decoder, start xml.StartElement) (Value, error) {
	bag := map[string]any{}
	for _, at := range start.Attr {
		name := at.Name.Local
		if at.Name.Space == "xmlns" {
			name = "xmlns:" + name
		}
		bag["@"+name] = at.Value
	}
	var text strings.Builder
	children := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		} else if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := xmlElement(d, t)
			if err != nil {
				return nil, err
			}
			children = true
			addMember(bag, t.Name.Local, v)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return elementValue(bag, strings.TrimSpace(text.String()), children), nil
		}
	}
}

func addMember(bag map[string]any, name string, v Value) {
	old, seen := bag[name]
	switch {
	case !seen:
		bag[name] = v
	case isList(old):
		bag[name] = append(old.([]any), v)
	default:
		bag[name] = []any{old, v}
	}
}

// isList tells a member made an array by repetition; xmlElement never
// produces arrays otherwise.
func isList(v Value) bool { _, ok := v.([]any); return ok }

func elementValue(bag map[string]any, text string, children bool) Value {
	if len(bag) == 0 && !children {
		if text == "" {
			return nil
		}
		return text
	}
	if text != "" {
		bag["#text"] = text
	}
	return bag
}
