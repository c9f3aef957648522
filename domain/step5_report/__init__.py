"""Step 5 (ติดตามประเมินผล): the monthly report of each area, counted, frozen at the report day, and exported."""
