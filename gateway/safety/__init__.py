"""Campus safety in GraphQL: inspection status, inspections and hazards, drills, incidents,
buses, agreements, health records and safety sessions."""
