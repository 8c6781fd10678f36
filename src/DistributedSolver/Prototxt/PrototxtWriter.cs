using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace DistributedSolver.Prototxt;

/// <summary>
/// Writes a message as prototxt, driven by its descriptor, the way Caffe's printer
/// (protobuf's TextFormat) lays it out: fields in field-number order, only those that are set,
/// one line per repeated element, nested messages in braces indented by two spaces, strings
/// C-escaped over their UTF-8 bytes, floats in the shortest form that reads back to the same
/// bits. <see cref="PrototxtParser"/> reads the result back equal to the message.
/// </summary>
public static class PrototxtWriter
{
    public static string Write(IMessage message)
    {
        var text = new StringBuilder();
        WriteFields(text, message, indent: 0);
        return text.ToString();
    }

    private static void WriteFields(StringBuilder text, IMessage message, int indent)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var element in (IList)value) WriteField(text, field, element, indent);
            }
            else if (field.Accessor.HasValue(message))
            {
                WriteField(text, field, value, indent);
            }
        }
    }

    private static void WriteField(StringBuilder text, FieldDescriptor field, object value, int indent)
    {
        text.Append(' ', indent).Append(field.Name);
        if (field.FieldType == FieldType.Message)
        {
            text.Append(" {\n");
            WriteFields(text, (IMessage)value, indent + 2);
            text.Append(' ', indent).Append("}\n");
            return;
        }
        text.Append(": ").Append(Scalar(field, value)).Append('\n');
    }

    private static string Scalar(FieldDescriptor field, object value) => field.FieldType switch
    {
        FieldType.String => Quote(Encoding.UTF8.GetBytes((string)value)),
        FieldType.Bytes => Quote(((ByteString)value).ToByteArray()),
        FieldType.Bool => (bool)value ? "true" : "false",
        FieldType.Enum => field.EnumType.FindValueByNumber(Convert.ToInt32(value, CultureInfo.InvariantCulture)) is { } named
            ? named.Name
            : Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        FieldType.Float => Real((float)value, ((float)value).ToString("R", CultureInfo.InvariantCulture)),
        FieldType.Double => Real((double)value, ((double)value).ToString("R", CultureInfo.InvariantCulture)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    // protobuf's spelling of the special values, and a lower-case exponent ("1e-07").
    private static string Real(double value, string shortest) =>
        double.IsNaN(value) ? "nan"
        : double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : shortest.ToLowerInvariant();

    /// <summary>C escapes over the bytes, as Caffe's printer writes them: printable ASCII as is, the rest in octal.</summary>
    private static string Quote(byte[] bytes)
    {
        var quoted = new StringBuilder("\"");
        foreach (byte b in bytes)
        {
            quoted.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\n' => "\\n",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => "\\" + Convert.ToString(b, 8).PadLeft(3, '0'),
            });
        }
        return quoted.Append('"').ToString();
    }
}
