namespace Persistence.Buses.Kafka;

/// <summary>The bus cannot be used as configured (unreachable, refused credentials); the message says what to check.</summary>
public sealed class BusUnavailableException(string message) : Exception(message);
