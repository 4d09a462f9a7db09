// vigil's exit statuses, documented in docs/exit-codes.md. Scripts rely on them: never renumber.
#pragma once

namespace vigil::cli {

enum ExitCode : int {
  kExitOk = 0,         ///< done; nothing found
  kExitFound = 1,      ///< done; something matched an indicator (iocs check)
  kExitUsage = 2,      ///< the command line is wrong
  kExitBadInput = 3,   ///< the input is missing or not what the command reads
  kExitIocError = 4,   ///< an indicator file could not be loaded, or no indicator is loaded
  kExitNetwork = 5,    ///< a download failed (download-iocs)
  kExitEncrypted = 6,  ///< the backup is encrypted and no password or key was given
  kExitWrongKey = 7,   ///< the password (or key) does not unlock the encrypted backup
  kExitInternal = 70,  ///< a bug: please report it
};

}  // namespace vigil::cli
