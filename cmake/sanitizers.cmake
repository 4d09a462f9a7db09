# vigil_options: options shared by every vigil target; sanitizers when VIGIL_SANITIZE, VIGIL_TSAN
# or VIGIL_FUZZ is on.
add_library(vigil_options INTERFACE)
target_compile_features(vigil_options INTERFACE cxx_std_20)
if(VIGIL_SANITIZE)
  target_compile_options(vigil_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(vigil_options INTERFACE -fsanitize=address,undefined)
endif()
if(VIGIL_TSAN)
  target_compile_options(vigil_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(vigil_options INTERFACE -fsanitize=thread)
endif()
if(VIGIL_FUZZ)
  # libFuzzer instrumentation for every library; the fuzz executables add the fuzzer main.
  target_compile_options(vigil_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(vigil_options INTERFACE -fsanitize=address,undefined)
endif()
