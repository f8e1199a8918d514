using System.Text.RegularExpressions;

namespace Persistence.Stores;

/// <summary>Table and column names that every offline backend accepts unquoted.</summary>
public static partial class TableName
{
    public static string? Problem(string name) =>
        Identifier().IsMatch(name) ? null : $"'{name}' is not a valid table name (lowercase letters, digits and _, starting with a letter, at most 63 characters)";

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
