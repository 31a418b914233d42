package store

// CallsToReconcileSQL is CallsToReconcile's query, for its plan.
const CallsToReconcileSQL = callsToReconcileSQL
