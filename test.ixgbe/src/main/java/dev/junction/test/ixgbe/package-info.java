/**
 * A register-level model of an Intel 82599 port for the ixgbe driver's tests:
 * {@link dev.junction.test.ixgbe.Ixgbe82599Model} (BAR0 in a mapped file, DMA through
 * {@link dev.junction.test.ixgbe.DmaSpace}, a device thread with delays, faults as
 * {@link dev.junction.test.ixgbe.ModelFault}), the register and descriptor facts it implements
 * ({@link dev.junction.test.ixgbe.Registers}, {@link dev.junction.test.ixgbe.Descriptors}) and the
 * RSS hash ({@link dev.junction.test.ixgbe.Toeplitz}). A plain jar, used with test scope only; see
 * the module's README.
 */
package dev.junction.test.ixgbe;
