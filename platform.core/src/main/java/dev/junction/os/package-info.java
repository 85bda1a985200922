/**
 * Linux system calls through glibc and {@code java.lang.foreign}, no JNI, for the drivers:
 * {@link dev.junction.os.Libc} (sockets, descriptor passing, mmap, read and write, ioctl, eventfd,
 * memfd) and {@link dev.junction.os.Errno} (the error numbers callers test for, and control-path
 * failures as exceptions that name the errno). Every call stores errno in a state segment the caller
 * owns, so that a call on a worker's fast path makes no objects. The JVM must grant native access
 * ({@code --enable-native-access=ALL-UNNAMED}, as Junction's launch and tests do).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.os;
