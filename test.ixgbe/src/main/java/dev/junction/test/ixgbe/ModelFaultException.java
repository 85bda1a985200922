package dev.junction.test.ixgbe;

/** Thrown by a model set to fail fast, from the first call into it after it recorded a fault. */
public final class ModelFaultException extends RuntimeException {
    private final ModelFault fault;

    public ModelFaultException(ModelFault fault) {
        super(fault.toString());
        this.fault = fault;
    }

    public ModelFault fault() {
        return fault;
    }
}
