package tensor

import (
	"fmt"
	"strconv"
)

func formatShape(s []int) string { return fmt.Sprint(s) }
func itoa(i int) string          { return strconv.Itoa(i) }
func ftoa(f float64) string      { return strconv.FormatFloat(f, 'g', 17, 64) }
