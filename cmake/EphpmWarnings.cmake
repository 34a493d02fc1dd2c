# ephpm_set_warnings(<target>): the project's warning flags, the same for
# every target. The C bridge adds -Wclobbered because it uses setjmp through
# zend_try: a local changed between setjmp and longjmp must be volatile.
function(ephpm_set_warnings target)
    set(common -Wall -Wextra -Wpedantic -Wshadow -Wcast-qual -Wformat=2 -Wundef)
    set(cxx_only -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
    target_compile_options(
        ${target} PRIVATE ${common} $<$<COMPILE_LANGUAGE:CXX>:${cxx_only}>
                          $<$<COMPILE_LANGUAGE:C>:-Wclobbered -Wstrict-prototypes>)
    if(EPHPM_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# ephpm_static_runtime(<target>): executables carry libstdc++ and libgcc
# inside, so the binary does not depend on the host's C++ runtime.
function(ephpm_static_runtime target)
    if(EPHPM_FULLY_STATIC)
        # Not -static-pie: glibc 2.36's static-pie start-up asserts in
        # _dl_relocate_static_pie on this binary (measured); a static
        # executable at a fixed address still gets randomised stack, heap
        # and mappings.
        target_link_options(${target} PRIVATE -static)
    elseif(EPHPM_STATIC_RUNTIME)
        target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
endfunction()
