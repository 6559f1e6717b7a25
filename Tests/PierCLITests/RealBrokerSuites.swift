import Testing

/// Every suite in this target runs real `pier` processes and client scripts and blocks its thread
/// while they run. Swift Testing runs such synchronous tests on the cooperative pool, which has one
/// thread per core (two here): two of these at once stalled every async test of the other targets
/// for tens of seconds. Serialized under one parent, at most one thread waits on a subprocess.
@Suite(.serialized) enum RealBrokerSuites {}
