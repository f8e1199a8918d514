using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Persistence.Infra.Config;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Persistence.Infra.Import;

/// <summary>
/// Writes config values as a Pulumi.&lt;stack&gt;.yaml <c>config:</c> block, in the layout Pulumi itself keeps:
/// namespaced top-level keys, plain nested YAML below them, two-space indents with indented sequences.
/// YamlDotNet's emitter writes the YAML, including every escape a double-quoted string needs (\r, control
/// characters, line and paragraph separators). This class only decides which strings may stay plain: those
/// YAML's core schema would read back as the same string (so "true", "1.0", "null" or "" are quoted).
/// </summary>
public static partial class StackYamlWriter
{
    private static readonly EmitterSettings Layout = new EmitterSettings()
        .WithBestIndent(2)
        .WithIndentedSequences()
        .WithBestWidth(int.MaxValue) // never fold a long value across lines
        .WithNewLine("\n");

    public static string Write(IReadOnlyDictionary<string, JsonNode?> values, IEnumerable<string>? headerLines = null)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        foreach (var line in (headerLines ?? []).SelectMany(l => LineBreak().Split(l)))
            text.Write($"# {line}\n");
        var yaml = new Emitter(text, Layout);
        yaml.Emit(new StreamStart());
        yaml.Emit(new DocumentStart());
        yaml.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
        yaml.Emit(String("config"));
        yaml.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
        foreach (var key in StackConfigKeys.All.Where(values.ContainsKey).Concat(values.Keys.Except(StackConfigKeys.All)))
        {
            yaml.Emit(String(StackConfigKeys.Qualified(key)));
            WriteNode(yaml, values[key]);
        }
        yaml.Emit(new MappingEnd());
        yaml.Emit(new MappingEnd());
        yaml.Emit(new DocumentEnd(isImplicit: true));
        yaml.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void WriteNode(IEmitter yaml, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj:
                // An empty object or list is written in flow style ({} / []), as Pulumi does.
                yaml.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, child) in obj)
                {
                    yaml.Emit(String(key));
                    WriteNode(yaml, child);
                }
                yaml.Emit(new MappingEnd());
                break;
            case JsonArray array:
                yaml.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array) WriteNode(yaml, item);
                yaml.Emit(new SequenceEnd());
                break;
            case null:
                yaml.Emit(Plain("null"));
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                yaml.Emit(String(v.GetValue<string>()));
                break;
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                yaml.Emit(Plain(v.GetValue<bool>() ? "true" : "false"));
                break;
            default:
                yaml.Emit(Plain(value.ToJsonString()));
                break;
        }
    }

    /// <summary>Plain when YAML reads it back as the same string; double-quoted (escaped by YamlDotNet) otherwise.</summary>
    private static Scalar String(string text) =>
        SafePlain().IsMatch(text) && !LooksTyped(text)
            ? Plain(text)
            : new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true);

    private static Scalar Plain(string text) =>
        new(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false);

    private static bool LooksTyped(string text) =>
        text is "" or "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    // Conservative on purpose: names, paths, hosts, ARNs and versions stay plain; anything else is quoted.
    [GeneratedRegex(@"^[A-Za-z0-9_/.@+][A-Za-z0-9_/.@:+\-]*$")]
    private static partial Regex SafePlain();

    [GeneratedRegex(@"\r\n|\r|\n|\u0085|\u2028|\u2029")]
    private static partial Regex LineBreak();
}
