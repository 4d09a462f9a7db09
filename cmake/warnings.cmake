# vigil_warnings: the warning set every vigil target builds with (PRIVATE). -Werror only when
# VIGIL_WERROR is on (the CI presets), so a newer compiler's new warning never breaks a user's build.
add_library(vigil_warnings INTERFACE)
target_compile_options(vigil_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op -Wuseless-cast>
  # GCC 12 at -O2/-O3 reports std::string concatenation inside libstdc++ as overlapping memcpy
  # (GCC bug 105651, fixed in 13): a false positive in the standard library, not in vigil.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
  $<$<BOOL:${VIGIL_WERROR}>:-Werror>)
