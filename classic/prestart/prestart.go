package prestart

// handoffEnv is classic.HandoffEnv. This package must not import classic:
// its init has to run first, before anything of classic's could read it.
const handoffEnv = "SVC_CLASSIC_HANDOFF"
