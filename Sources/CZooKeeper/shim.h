// Debian's libzookeeper-mt-dev installs the header under /usr/include/zookeeper and ships no
// pkg-config file, so the module map names the header by that path and links the threaded library.
// THREADED: the header declares the synchronous calls only for the multithreaded library.
#define THREADED 1
#include <zookeeper/zookeeper.h>

// ZOO_OPEN_ACL_UNSAFE is a mutable C global, which Swift 6 refuses to touch from concurrent code;
// every node Pier creates uses this one ACL (world: all), read through a function instead.
static inline const struct ACL_vector *pier_zoo_open_acl(void) { return &ZOO_OPEN_ACL_UNSAFE; }
