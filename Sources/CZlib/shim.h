// zlib (https://zlib.net), the system library: raw DEFLATE inflate and CRC-32 for .npz archives.
// Debian/Ubuntu: apt-get install zlib1g-dev; macOS: part of the SDK.
#include <zlib.h>
